"""How a request is sent: one folder per mode (controller and pane), registered in one place
(``ui.modes.registry``); the request tab looks modes up and knows none of them."""
