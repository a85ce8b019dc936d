"""The browser edition: a static JupyterLite site with the course, checked against recorded PyTorch values."""
