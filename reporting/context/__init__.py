"""National context beside the figures (issue 22, part 1): each participant's national profile
(what its figures cover) and its notes on periods, shown as footnotes wherever its data are
(docs/context.md)."""
