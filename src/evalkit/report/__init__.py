"""Reports: Evaluation -> plain context -> sandboxed Jinja2 -> .html .md .pdf .docx."""
