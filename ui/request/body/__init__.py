"""The body tab's pages: text (JSON, text, XML), form, multipart and binary file."""
