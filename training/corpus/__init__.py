"""The annotated corpus: record schema, loading, validation, statistics and the
inline-markup format that authors write shards in."""
