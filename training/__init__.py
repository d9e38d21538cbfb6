"""flashpoint.training: corpus tools, base-encoder provisioning, fine-tuning, evaluation and export."""
