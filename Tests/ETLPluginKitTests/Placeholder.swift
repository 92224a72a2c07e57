// Tests for ETLPluginKit live here.
