# A stand-in for the judge prompt of MMBench's eval_mmbench.py, in the layout lynxeval reads from
# it (build_prompt's `tmpl = (...)`, adjacent string literals); the wording is this project's, as
# the tests cannot carry the real one. make_vectors.py runs the script's judge step with this
# build_prompt in place of its own.


def build_prompt(question, options, prediction):
    tmpl = (
        'Match the answer to one option of the single-choice question below. '
        "Reply with the option's letter, or E when none of them fits. \n"  # quotes of both kinds
        'Question: {}?\nOptions: {}\nAnswer: {}\nYour output: ')
    return tmpl.format(question, options, prediction)
