"""The bundled demo: fake French and English outlets served on 127.0.0.1, crawled like real ones."""
