"""Portuguese NER (PERSON, LOCATION, ORGANIZATION) for the anonymizer: data, training, evaluation."""
