# Appraisal tasks, the assignment queue and reports arrive with their issues.
