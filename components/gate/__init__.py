"""The gate page's area: the receipt check and the QR decoder (``data``)."""
