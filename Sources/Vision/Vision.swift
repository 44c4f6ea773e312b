// Vision stage: see DESIGN.md §2. Types live in files named after them.
