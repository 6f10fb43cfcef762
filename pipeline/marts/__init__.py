"""The marts: question-shaped views over the synced tables, for analysts and BI tools."""
