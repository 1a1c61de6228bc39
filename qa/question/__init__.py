"""Reading the question: what it asks and which of the reports' words it means.

`questions` finds the language, the kind of answer wanted, years and target/achievement;
`names` finds the names it relies on in the documents (Chinese directly, English by pinyin);
`glossary` and `dictionary` give an English question the Chinese words the reports use;
`terms` puts these together per question: the names, the reports that hold them, and the
question as the reader gets it.
"""
