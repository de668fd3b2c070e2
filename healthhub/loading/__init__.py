"""Loading: the config, front matter, articles, people, glossary and snippets read into one site model."""
