"""Assessment of the county unions by the municipal union (D-MU2): indicators, scores, inspections, demonstration
stations. A shared app: its rows live in the public schema."""
