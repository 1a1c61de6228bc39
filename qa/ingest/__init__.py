"""The indexing stage: report files in, a searchable index out.

`documents` reads files (decoding, titles, pages); `cleaning` marks what is report text;
`chunking` cuts passages and sentences with exact offsets; `embedding` turns them into
vectors; `assembly` builds an index's data from documents; `indexing` decides what changed
and saves it through a store (`qa.stores`); `distributed` reads and embeds on a Ray cluster
(`qa index --ray`).
"""
