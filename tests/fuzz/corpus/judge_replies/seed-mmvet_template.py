# A stand-in for the grading prompt of MM-Vet's mm-vet_evaluator.py, in the layout lynxeval reads
# from it (a module-level `prompt = """..."""`); the wording is this project's, as the tests cannot
# carry the real one. make_vectors.py runs the script with this prompt (its --prompt) in place of
# its own.

prompt = """Grade the prediction against the ground truth with a number from 0.0 (wrong) to 1.0 (right), in steps of 0.1. With <AND>, every part of the ground truth must be in the prediction; with <OR>, any one part is enough. Reply with the number only: fill in the last cell.

Question | Ground truth | Prediction | Correctness
--- | --- | --- | ---
How many cats are there? | 2 | two cats | 1.0
Which colours are shown? | red <AND> blue | red | 0.5
Which colours are shown? | red <AND> blue | blue and red | 1.0
Name a fruit in the bowl. | apple <OR> pear | a pear | 1.0
What does the sign say, "{stop}"? | STOP | it says "GO" | 0.0
"""
