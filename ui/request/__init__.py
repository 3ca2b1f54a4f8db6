"""The request editor: method, URL, params, headers, body, auth and options."""
