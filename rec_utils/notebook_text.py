"""Explanations the notebooks show, written for the dataset at hand (no MovieLens wording on music data).

Each function returns Markdown that describes only what the data and the model actually contain.
"""
from __future__ import annotations

from rec_utils.models.lstm_attention_bpr import LSTMAttentionBPR
from rec_utils.preprocessing import ProcessedData


def demographics_text(data: ProcessedData) -> str:
    """How each demographic field of ``data`` was encoded, or that there are none."""
    if not data.user_feature_names:
        return (f"**{data.name} has no demographic fields.** The model then has no demographic inputs; nothing is "
                "made up in their place.")
    params, report = data.params, data.report

    def missing(name: str) -> str:
        count, policy = report[f"{name}_missing"], report[f"{name}_missing_policy"]
        if policy == "an error":
            return f"a missing value is a format error ({count} here)"
        return f"missing values ({count} here) become {policy}"

    lines = []
    for name in data.user_feature_names:
        if name == "age":
            width = (params.age_max - params.age_min) / params.age_bins
            lines.append(
                f"- **age**: {missing(name)}; ages are clipped to "
                f"[{params.age_min:g}, {params.age_max:g}] and scaled to [0, 1] with "
                f"`(age - {params.age_min:g}) / {params.age_max - params.age_min:g}`. Age enters the model as a "
                f"categorical embedding: the scaled value is cut into `AGE_BINS` = {params.age_bins} equal-width bins "
                f"({width:g}-year bands). Every demographic field is then a lookup, so a newcomer described only by "
                "demographics gets a complete user vector.")
        elif name == "gender":
            lines.append(f"- **gender**: 0 = female, 1 = male; {missing(name)}.")
        else:
            lines.append(f"- **{name}**: labels encoded in alphabetical order "
                         f"({len(report['encoders'][name])} values); {missing(name)}.")
    lines.append('- Every field has one extra code, "unknown" (= the field\'s number of values), used by the '
                 "padding user 0 and by missing values where the rule above says so.")
    return "\n".join(lines)


def genres_text(data: ProcessedData) -> str:
    """How item genres enter the model, or that the dataset has none."""
    if not data.genre_names:
        return (f"**{data.name} has no genres.** An item is represented by its own embedding alone; nothing is "
                "made up in place of genres.")
    return (f"{len(data.genre_names)} genres. Each item gets a multi-hot genre vector and a primary genre (the first "
            "genre flagged, in the official order). The model averages the embeddings of an item's genres "
            "(notebook 03).")


def architecture_text(model: LSTMAttentionBPR) -> str:
    """The model's structure as built for this dataset (genre and demographic parts only where present)."""
    item = ("`[item embedding (EMB_DIM) ; mean of its genres' embeddings (GENRE_DIM)]`" if model.use_genres
            else "its item embedding (`EMB_DIM`; this dataset has no genres)")
    user_parts = ["c", "user embedding" if model.use_user_embedding else None,
                  "one embedding per demographic field" if model.use_demographics else None]
    user = " ; ".join(p for p in user_parts if p)
    no_demo = "" if model.use_demographics else " (this dataset has no demographic fields)"
    attention = ("additive attention `alpha_t = softmax_t(v^T tanh(W h_t + b))` over the real (non-padding) steps; "
                 "context `c = sum_t alpha_t h_t`" if model.use_attention
                 else "no attention (ablation): `c` is the hidden state of the last real step")
    served_by = "user and demographic embeddings" if model.use_demographics else "user embedding"
    return "\n".join([
        f"1. **Items.** An item is {item}. The same vector is the LSTM's input and the item side of the score.",
        "2. **Sequence.** The LSTM (`HIDDEN_DIM`) reads the user's last `MAX_LEN` items, right-padded with 0.",
        f"3. **Attention.** {attention[0].upper() + attention[1:]}.",
        f"4. **User.** `[{user}]`{no_demo} → dropout → dense layer → a vector in item space.",
        "5. **Score.** The inner product of that vector with each item's vector; trained with BPR on one uniformly "
        "sampled negative per positive.",
        "",
        f"A user with no history (cold start) gets a zero context vector and is served by the {served_by}. "
        "Because the padding comes *after* the items and the LSTM only looks back, padding never reaches the "
        "hidden states that attention reads.",
    ])
