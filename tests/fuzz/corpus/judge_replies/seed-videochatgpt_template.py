# A stand-in for the judge messages of Video-ChatGPT's evaluate_activitynet_qa.py, in the layout
# lynxeval reads from it (the "content" of the "system" and "user" messages, adjacent literals,
# f-strings with {question}, {answer} and {pred}); the wording is this project's, as the tests
# cannot carry the real one.


def annotate(client, question, answer, pred):
    return client.create(
        model="a-judge",
        messages=[
            {
                "role": "system",
                "content":
                    "You judge answers to questions about videos. "
                    "Compare the predicted answer with the correct one; synonyms count.\n"
            },
            {
                "role": "user",
                "content":
                    "Judge this pair:\n\n"
                    f"Question: {question}\n"
                    f"Correct Answer: {answer}\n"
                    f"Predicted Answer: {pred}\n\n"
                    "Reply only with a Python dict such as {'pred': 'yes', 'score': 4}, "  # braces as text
                    'with pred "yes" or "no" and score from 0 to 5.'
            }
        ]
    )
