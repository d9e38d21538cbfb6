"""The event model: one shared multilingual encoder, a sentence-level multi-label
type head, and a type-conditioned argument tagger.

Why type-conditioned span tagging rather than trigger-linked roles: our corpus
annotates every event's arguments but only optionally its trigger, and the score
contract asks for arguments per event type in a sentence. Conditioning the tagger
on the event type lets one sentence that holds an air strike and arrests give each
event its own actor, target and place, without a trigger detector whose errors
would cascade. The cost is one small layer per predicted type, not a second
encoder pass: the tagger reads the encoder's penultimate hidden states, adds a
learned embedding of the type, and runs one transformer layer (initialised from
the encoder's top layer) so every token can attend to the words that decide which
event it belongs to. Roles are tagged with independent O/B/I sequences so that
spans of different roles may overlap. The known limit: two events of the same type
in one sentence are merged into one event.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from transformers import BertConfig, BertModel

from flashpoint.spans import N_TAGS


TYPE_LOSSES = ("sigmoid", "softmax", "both")
POOLINGS = ("mean", "cls")


class EventModel(nn.Module):
    """``type_loss`` decides the type head's shape: "sigmoid" has one logit per type;
    "softmax" and "both" add a "none of the types" logit. Whatever the head, :meth:`encode`
    returns per-type log-odds, so the runtime applies one sigmoid to every model."""

    def __init__(self, encoder_config: BertConfig, n_types: int, n_roles: int, dropout: float = 0.1,
                 type_loss: str = "sigmoid", pooling: str = "mean") -> None:
        super().__init__()
        if type_loss not in TYPE_LOSSES or pooling not in POOLINGS:
            raise ValueError(f"type_loss must be one of {TYPE_LOSSES} and pooling one of {POOLINGS}")
        encoder_config = copy.deepcopy(encoder_config)
        encoder_config._attn_implementation = "eager"
        self.encoder = BertModel(encoder_config, add_pooling_layer=False)
        hidden = encoder_config.hidden_size
        self.n_types, self.n_roles = n_types, n_roles
        self.type_loss, self.pooling = type_loss, pooling
        self.type_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_types + (type_loss != "sigmoid")))
        self.type_embedding = nn.Embedding(n_types, hidden)
        nn.init.normal_(self.type_embedding.weight, std=0.02)
        self.argument_layer = copy.deepcopy(self.encoder.encoder.layer[-1])
        self.tag_head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, n_roles * N_TAGS))

    def reset_argument_layer(self) -> None:
        """Start the argument layer from the (pretrained) top encoder layer."""
        self.argument_layer.load_state_dict(self.encoder.encoder.layer[-1].state_dict())

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-type log-odds (B, T) and the penultimate states for the tagger."""
        head, penultimate = self.encode_head(input_ids, attention_mask)
        return self.type_log_odds(head), penultimate

    def type_log_odds(self, head: torch.Tensor) -> torch.Tensor:
        """The head's output as log-odds per type: the logits themselves for sigmoid heads
        (and for "both", served through its sigmoid half); for a softmax head, log(p / (1 - p))
        of each type's softmax probability, so that the runtime's sigmoid gives back p."""
        if self.type_loss != "softmax":
            return head[:, : self.n_types]
        log_p = torch.log_softmax(head, dim=-1)[:, : self.n_types]
        return log_p - torch.log((1.0 - torch.exp(log_p)).clamp(min=1e-7))

    def encode_head(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The type head's raw output from the pooled top layer; penultimate states for the tagger."""
        # The layers are run here with a plain additive mask rather than through
        # BertModel.forward, whose mask helpers trace into fixed shapes on ONNX export.
        positions = torch.cumsum(torch.ones_like(input_ids), dim=1) - 1
        hidden = self.encoder.embeddings(
            input_ids=input_ids, position_ids=positions, token_type_ids=torch.zeros_like(input_ids)
        )
        additive = _additive_mask(attention_mask, hidden.dtype)
        penultimate = hidden
        for layer in self.encoder.encoder.layer:
            penultimate = hidden
            hidden = _layer_output(layer(hidden, attention_mask=additive))
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.type_head(pooled), penultimate

    def tag(self, states: torch.Tensor, attention_mask: torch.Tensor, type_ids: torch.Tensor) -> torch.Tensor:
        """Role-tag logits (B, L, R, 3) for each row, conditioned on its event type."""
        conditioned = states + self.type_embedding(type_ids).unsqueeze(1)
        hidden = _layer_output(self.argument_layer(conditioned, attention_mask=_additive_mask(attention_mask, states.dtype)))
        logits = self.tag_head(hidden)
        return logits.view(logits.shape[0], logits.shape[1], self.n_roles, N_TAGS)


def _additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def _layer_output(output) -> torch.Tensor:
    return output[0] if isinstance(output, tuple) else output


class TorchBackend:
    """Adapts :class:`EventModel` to the pipeline's numpy ``Backend`` protocol."""

    def __init__(self, model: EventModel) -> None:
        self.model = model

    @torch.inference_mode()
    def encode(self, input_ids, attention_mask):
        self.model.eval()
        logits, states = self.model.encode(torch.from_numpy(input_ids), torch.from_numpy(attention_mask))
        return logits.numpy(), states.numpy()

    @torch.inference_mode()
    def tag(self, states, attention_mask, type_ids):
        self.model.eval()
        return self.model.tag(
            torch.from_numpy(states), torch.from_numpy(attention_mask), torch.from_numpy(type_ids)
        ).numpy()
