"""The indexing stage: report files in, a searchable index out.

`documents` reads files (decoding, titles, pages); `cleaning` marks what is report text;
`chunking` cuts passages and sentences with exact offsets; `embedding` turns them into
vectors; `indexing` builds or updates an index incrementally and saves it through a store
(`qa.stores`); `distributed` does the same work on a Ray cluster (`qa index --ray`).
"""
