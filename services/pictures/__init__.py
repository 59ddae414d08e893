"""Pictures the bot sends, drawn as PNG bytes from already translated texts: the QR
poster for a merchant's counter (`poster`) and a merchant's charts (`charts`)."""
