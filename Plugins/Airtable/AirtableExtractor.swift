// The Airtable extractor plugin (in progress).
