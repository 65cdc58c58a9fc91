"""Text helpers: terminal output as a terminal shows it, ANSI colours as safe HTML, and the CLI's
sizes, ages and ids."""
