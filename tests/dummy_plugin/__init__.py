"""A test-only plugin that uses every hook of the plugin contract (NetBox's dummy_plugin pattern)."""
