"""Reading the Meibel API into the warehouse."""
