// SPDX-License-Identifier: Apache-2.0
// Session semantics: batch splits, rollback, forks, overflow, failed calls, threads.
#include <cstring>

#include "model/model_weights.h"
#include "nanollama/session.h"
#include "support/test_models.h"
#include "support/test_support.h"

namespace nanollama {
namespace {

std::vector<float> copy(std::span<const float> s) { return {s.begin(), s.end()}; }

bool bitwise_equal(std::span<const float> a, std::span<const float> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = testing::make_test_model(testing::small_spec(TensorType::Q8_0, 3)); }
  static void TearDownTestSuite() { model_.reset(); }

  std::vector<int32_t> tokens(int32_t n, int32_t salt = 0) const {
    std::vector<int32_t> t;
    for (int32_t i = 0; i < n; ++i) t.push_back((i * 131 + salt * 17 + 5) % model_->hparams().n_vocab);
    return t;
  }
  // Logits after every token of `t` in a fresh session, one decode per token.
  std::vector<std::vector<float>> one_by_one(const std::vector<int32_t>& t, SessionOptions o = {}) const {
    Session s(model_, o);
    std::vector<std::vector<float>> out;
    for (int32_t id : t) out.push_back(copy(s.eval(std::span<const int32_t>(&id, 1))));
    return out;
  }

  static std::shared_ptr<const Model> model_;
};

std::shared_ptr<const Model> SessionTest::model_;

TEST_F(SessionTest, BatchedPrefillEqualsTokenByTokenBitwise) {
  const auto t = tokens(37);
  const auto expected = one_by_one(t);
  for (int32_t n_batch : {512, 7}) {  // one pass, and passes split inside the input
    SessionOptions o;
    o.n_batch = n_batch;
    Session s(model_, o);
    Batch b;
    for (int32_t id : t) b.add(id, 0, true);
    s.decode(b);
    ASSERT_EQ(s.n_logits(), 37);
    for (int32_t i = 0; i < 37; ++i) EXPECT_TRUE(bitwise_equal(s.logits(i), expected[static_cast<size_t>(i)])) << i;
  }
}

TEST_F(SessionTest, ResultsDoNotDependOnTheThreadCount) {
  const auto t = tokens(20);
  SessionOptions one, two, three;
  one.n_threads = 1;
  two.n_threads = 2;
  three.n_threads = 3;
  Session a(model_, one), b(model_, two), c(model_, three);
  const auto la = copy(a.eval(t)), lb = copy(b.eval(t)), lc = copy(c.eval(t));
  EXPECT_TRUE(bitwise_equal(la, lb));
  EXPECT_TRUE(bitwise_equal(la, lc));
}

TEST_F(SessionTest, TruncateRollsBackExactly) {
  const auto t = tokens(30);
  Session s(model_);
  s.eval(t);
  EXPECT_EQ(s.n_past(0), 30);
  s.truncate(0, 12);
  EXPECT_EQ(s.n_past(0), 12);
  EXPECT_EQ(std::vector<int32_t>(s.tokens(0).begin(), s.tokens(0).end()), std::vector<int32_t>(t.begin(), t.begin() + 12));
  // Continuing differently after the rollback equals a fresh run of the new sequence.
  const auto other = tokens(5, 9);
  const auto got = copy(s.eval(other));
  std::vector<int32_t> fresh(t.begin(), t.begin() + 12);
  fresh.insert(fresh.end(), other.begin(), other.end());
  Session f(model_);
  EXPECT_TRUE(bitwise_equal(got, f.eval(fresh)));
  EXPECT_EQ(s.free_cells(), s.options().kv_cells - 17);  // released cells were reused
}

TEST_F(SessionTest, ForkedSequencesShareThePrefixAndDecodeTogether) {
  const auto prompt = tokens(25);
  const auto a_tail = tokens(6, 1), b_tail = tokens(6, 2);
  SessionOptions o;
  o.n_seq_max = 2;
  Session s(model_, o);
  s.eval(prompt, 0);
  const int32_t free_before = s.free_cells();
  s.fork(0, 1);
  EXPECT_EQ(s.free_cells(), free_before);  // shared, not copied
  EXPECT_EQ(s.n_past(1), 25);

  // Both continuations in one batched decode, interleaved.
  Batch b;
  for (size_t i = 0; i < a_tail.size(); ++i) {
    b.add(a_tail[i], 0, i + 1 == a_tail.size());
    b.add(b_tail[i], 1, i + 1 == b_tail.size());
  }
  s.decode(b);
  ASSERT_EQ(s.n_logits(), 2);

  auto alone = [&](const std::vector<int32_t>& tail) {
    std::vector<int32_t> all = prompt;
    all.insert(all.end(), tail.begin(), tail.end());
    Session fresh(model_);
    return copy(fresh.eval(all));
  };
  EXPECT_TRUE(bitwise_equal(s.logits(0), alone(a_tail)));
  EXPECT_TRUE(bitwise_equal(s.logits(1), alone(b_tail)));

  // Dropping one branch frees only its own cells.
  s.clear(1);
  EXPECT_EQ(s.free_cells(), free_before - 6);
  EXPECT_EQ(s.n_past(0), 31);
}

TEST_F(SessionTest, OverflowFailsCleanlyAndLeavesTheStateAsItWas) {
  SessionOptions o;
  o.n_ctx = 16;
  Session s(model_, o);
  const auto t = tokens(10);
  const auto before = copy(s.eval(t));
  try {
    s.eval(tokens(7, 3));
    FAIL() << "expected context_full";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::context_full);
    EXPECT_NE(std::string(e.what()).find("17 positions"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.n_past(0), 10);
  EXPECT_EQ(s.free_cells(), 6);
  // The session still works, and as if nothing had happened.
  const auto next = tokens(6, 4);
  const auto got = copy(s.eval(next));
  std::vector<int32_t> all = t;
  all.insert(all.end(), next.begin(), next.end());
  Session fresh(model_, o);
  EXPECT_TRUE(bitwise_equal(got, fresh.eval(all)));
}

TEST_F(SessionTest, CellPoolExhaustionIsContextFull) {
  SessionOptions o;
  o.n_ctx = 64;
  o.n_seq_max = 2;
  o.kv_cells = 20;
  Session s(model_, o);
  s.eval(tokens(15), 0);
  try {
    s.eval(tokens(6), 1);
    FAIL() << "expected context_full";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::context_full);
  }
  EXPECT_EQ(s.n_past(1), 0);
  EXPECT_EQ(s.free_cells(), 5);
}

TEST_F(SessionTest, BadInputsAreRejectedWithoutChangingState) {
  Session s(model_);
  s.eval(tokens(3));
  const int32_t V = model_->hparams().n_vocab;
  EXPECT_THROW(s.eval(std::vector<int32_t>{1, V}), Error);
  EXPECT_THROW(s.eval(std::vector<int32_t>{-1}), Error);
  EXPECT_THROW(s.eval(std::vector<int32_t>{}), Error);
  EXPECT_THROW(s.eval(std::vector<int32_t>{1}, 1), Error);  // only sequence 0 exists
  EXPECT_THROW(s.truncate(0, 4), Error);
  EXPECT_THROW(s.fork(0, 3), Error);
  EXPECT_THROW(s.logits(5), Error);
  Batch mismatched;
  mismatched.tokens = {1, 2};
  mismatched.seq = {0};
  EXPECT_THROW(s.decode(mismatched), Error);
  EXPECT_EQ(s.n_past(0), 3);
}

TEST_F(SessionTest, CloneIsIndependent) {
  Session s(model_);
  s.eval(tokens(10));
  Session c = s.clone();
  const auto next = tokens(3, 5);
  const auto from_clone = copy(c.eval(next));
  EXPECT_EQ(s.n_past(0), 10);  // the original did not move
  EXPECT_TRUE(bitwise_equal(from_clone, s.eval(next)));
}

TEST_F(SessionTest, OnlyRequestedRowsGetLogits) {
  Session s(model_);
  Batch b;
  const auto t = tokens(6);
  for (size_t i = 0; i < t.size(); ++i) b.add(t[i], 0, i == 1 || i == 4);
  s.decode(b);
  ASSERT_EQ(s.n_logits(), 2);
  const auto expected = one_by_one(t);
  EXPECT_TRUE(bitwise_equal(s.logits(0), expected[1]));
  EXPECT_TRUE(bitwise_equal(s.logits(1), expected[4]));
}

// A product's result for one row must not depend on the rest of the batch, for every weight
// type: the tag generator's promise that variants batched together, or a prompt reused from
// the cache, give the same tokens as alone rests on it. The lossy BF16 products keep it too.
struct WeightsCase {
  TensorType type;
  bool lossy_bf16 = false;
};
class BatchInvariance : public ::testing::TestWithParam<WeightsCase> {};

TEST_P(BatchInvariance, PrefillAndForkedBatchesEqualTokenByToken) {
  ModelOptions mo;
  mo.lossy_bf16 = GetParam().lossy_bf16;
  auto model = testing::make_test_model(testing::small_spec(GetParam().type, 5), mo);
  ASSERT_EQ(weights_of(*model).lossy_bf16, mo.lossy_bf16);
  std::vector<int32_t> t;
  for (int32_t i = 0; i < 21; ++i) t.push_back((i * 313 + 7) % model->hparams().n_vocab);
  std::vector<std::vector<float>> alone;
  {
    Session s(model);
    for (int32_t id : t) alone.push_back(copy(s.eval(std::span<const int32_t>(&id, 1))));
  }
  SessionOptions o;
  o.n_seq_max = 3;
  Session s(model, o);
  Batch prompt;
  for (size_t i = 0; i + 1 < t.size(); ++i) prompt.add(t[i], 0, true);
  s.decode(prompt);
  for (int32_t i = 0; i < s.n_logits(); ++i) {
    EXPECT_TRUE(bitwise_equal(s.logits(i), alone[static_cast<size_t>(i)])) << tensor_type_name(GetParam().type) << " row " << i;
  }
  // The last token for three forked sequences at once: each equals the single-sequence run.
  s.fork(0, 1);
  s.fork(0, 2);
  Batch last;
  for (int32_t seq = 0; seq < 3; ++seq) last.add(t.back(), seq, true);
  s.decode(last);
  for (int32_t seq = 0; seq < 3; ++seq) EXPECT_TRUE(bitwise_equal(s.logits(seq), alone.back())) << "sequence " << seq;
}

INSTANTIATE_TEST_SUITE_P(AllWeightTypes, BatchInvariance,
                         ::testing::Values(WeightsCase{TensorType::F32}, WeightsCase{TensorType::F16},
                                           WeightsCase{TensorType::Q8_0}, WeightsCase{TensorType::Q6_K},
                                           WeightsCase{TensorType::F16, true}, WeightsCase{TensorType::F32, true}),
                         [](const ::testing::TestParamInfo<WeightsCase>& p) {
                           return std::string(tensor_type_name(p.param.type)) + (p.param.lossy_bf16 ? "_lossy_bf16" : "");
                         });

// Repacked Q8_0 matrices (ModelOptions::repack, the default) must give the very logits of
// the mapped ones, prompt and single tokens alike, for every weight type (others are kept as
// they are).
class Repacking : public ::testing::TestWithParam<TensorType> {};

TEST_P(Repacking, GivesTheLogitsOfTheMappedWeightsBitwise) {
  testing::TempDir dir;
  const auto path = dir.file("model.gguf").string();
  write_random_model(testing::small_spec(GetParam(), 8), path);
  auto mapped = Model::load(path, {.repack = false});
  auto packed = Model::load(path, {.repack = true, .n_threads = 2});
  const bool packs = kernels::packs_to_panels(GetParam());
  const auto panels = GetParam() == TensorType::Q8_0 ? kernels::MatrixLayout::q8_0_panels : kernels::MatrixLayout::q6_k_panels;
  for (const auto& L : weights_of(*packed).layers) {
    for (const auto* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.w_gate, &L.w_up, &L.w_down}) {
      EXPECT_EQ(w->layout, packs ? panels : kernels::MatrixLayout::rows);
    }
  }
  EXPECT_EQ(weights_of(*packed).output.layout, packs ? panels : kernels::MatrixLayout::rows);
  EXPECT_EQ(weights_of(*packed).token_embd.layout, kernels::MatrixLayout::rows);  // looked up by row
  EXPECT_EQ(weights_of(*mapped).layers[0].wq.layout, kernels::MatrixLayout::rows);
  std::vector<int32_t> t;
  for (int32_t i = 0; i < 19; ++i) t.push_back((i * 211 + 3) % mapped->hparams().n_vocab);
  Session a(mapped), b(packed);
  Batch prompt;
  for (int32_t id : t) prompt.add(id, 0, true);
  a.decode(prompt);
  b.decode(prompt);
  for (int32_t i = 0; i < a.n_logits(); ++i) EXPECT_TRUE(bitwise_equal(a.logits(i), b.logits(i))) << "prompt row " << i;
  for (int32_t id : {7, 11}) {
    EXPECT_TRUE(bitwise_equal(copy(a.eval(std::span<const int32_t>(&id, 1))), b.eval(std::span<const int32_t>(&id, 1))))
        << "token " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(WeightTypes, Repacking, ::testing::Values(TensorType::Q8_0, TensorType::F16),
                         [](const ::testing::TestParamInfo<TensorType>& p) { return std::string(tensor_type_name(p.param)); });

// A model parsed from the caller's bytes repacks without touching them (a mapped file's
// pages are let go after repacking; those bytes must not be).
TEST(RepackingTest, LeavesTheCallersBytesAlone) {
  testing::TempDir dir;
  const auto path = dir.file("model.gguf").string();
  write_random_model(testing::small_spec(TensorType::Q8_0, 9), path);
  const std::vector<uint8_t> bytes = testing::read_bytes(path);
  std::vector<uint8_t> kept = bytes;
  auto model = Model::from_gguf(gguf::GgufFile::parse(kept, "model.gguf"));
  EXPECT_EQ(weights_of(*model).layers[0].wq.layout, kernels::MatrixLayout::q8_0_panels);
  EXPECT_TRUE(kept == bytes);
}

TEST(SessionOptionsTest, InvalidOptionsAreRefused) {
  auto model = testing::make_test_model(testing::small_spec());
  SessionOptions o;
  o.n_seq_max = 0;
  EXPECT_THROW(Session(model, o), Error);
  o = {};
  o.n_ctx = -1;
  EXPECT_THROW(Session(model, o), Error);
  EXPECT_THROW(Session(std::shared_ptr<const Model>()), Error);
  Session s(model);
  EXPECT_EQ(s.n_ctx(), model->hparams().n_ctx_train);  // default: the model's context
}

}  // namespace
}  // namespace nanollama
