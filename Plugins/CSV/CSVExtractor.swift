// CSV extractor
