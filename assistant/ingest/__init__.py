"""Articles in: reading the corpus folder, converting saved pages and PDFs, removing web furniture, `add`."""
