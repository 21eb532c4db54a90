# SPDX-License-Identifier: Apache-2.0
"""ComfyUI custom nodes for DanTagGen on nanollama: copy or link this folder into
ComfyUI/custom_nodes/ and put DanTagGen GGUF files in ComfyUI/models/dtg/."""
from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
