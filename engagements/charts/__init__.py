"""Server-rendered SVG charts: no JavaScript, nothing from a CDN, prints as it shows.

Each chart is a function returning safe SVG markup with a <title> and <desc>
(its text alternative) and an empty state when there is no data. All user
text passes through `text()`, so nothing unescaped reaches the SVG.
"""
