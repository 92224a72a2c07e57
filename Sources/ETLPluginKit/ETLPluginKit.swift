// The Swift SDK for plugin authors.
