"""Reading article sources (files, directories, .jsonl, .html) into ``Article`` records."""
