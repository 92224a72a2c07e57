// The JSON Lines extractor plugin (in progress).
