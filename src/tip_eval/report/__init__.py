"""Publishing: the impact brief (HTML) and the workbook (xlsx). Disclosure control is applied here."""
