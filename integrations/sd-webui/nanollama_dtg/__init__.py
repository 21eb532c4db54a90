# SPDX-License-Identifier: Apache-2.0
"""The web UI extension's logic, free of gradio and of the web UI's modules (tested alone)."""
