"""What people look at: the HTML score report and the rendered data dictionary."""
