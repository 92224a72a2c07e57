// The SQLite warehouse plugin (in progress).
