"""The st.* / rp.* texts now live in `locales/<lang>/staff_report.ftl`.

This module stays empty so that the `import handlers.texts.staff_report` lines of earlier code keep
working; delete those imports and this file together.
"""
