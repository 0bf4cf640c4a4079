"""The research catalog's people: users and orgs with profiles, follows, memberships, likes and activity."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .accounts import ORGS, Account
from .catalog import Catalog
from .research_repos import det

FIRST = ["ada", "bruno", "chen", "dara", "elif", "farah", "goran", "hana", "ivan", "jia", "kofi", "lena", "mateo",
         "nadia", "omar", "priya", "quinn", "rosa", "sven", "tariq", "uma", "viktor", "wen", "ximena", "yusuf",
         "zoe", "arjun", "bea", "camille", "diego", "emeka", "freya"]
LAST = ["park", "li", "okafor", "novak", "silva", "haddad", "berg", "tanaka", "moreau", "kowalski", "nguyen",
        "rossi", "mensah", "garcia", "ivanova"]
BIOS = ["ML engineer working on post-training.", "PhD student in NLP.", "Building open-source speech models.",
        "Research scientist, efficient training.", "Data wrangler. Datasets > models.", "Computer vision @ startup.",
        "", "Kaggle grandmaster. Fine-tuning everything.", "Open science enthusiast."]
ORG_ROLES = ("admin", "write", "read", "contributor")
# Orgs with explicit member lists: org -> how many generated users belong to it.
ORG_SIZES = {"huggingface": 40, "Qwen": 15, "HuggingFaceH4": 6, "meta-llama": 8, "google": 10, "trl-lib": 5,
             "HuggingFaceTB": 7, "open-r1": 4}
ORG_DETAILS = {"huggingface": ("Hugging Face", "The AI community building the future."),
               "Qwen": ("Qwen", "Large language and multimodal models by Alibaba Cloud's Qwen team."),
               "HuggingFaceH4": ("Hugging Face H4", "Helpful, honest, harmless and huggy."),
               "trl-lib": ("TRL", "Train transformer language models with reinforcement learning.")}


@dataclass
class Social:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    follows: list[tuple[str, str]] = field(default_factory=list)  # (follower, followee user-or-org)
    members: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # org -> [(user, role)]
    likes: list[tuple[str, str, str, str]] = field(default_factory=list)  # (user, repo_type, repo_id, liked_at)

    @property
    def generated(self) -> list[str]:
        return [name for name, user in self.users.items() if user.get("generated")]

    def followers(self, name: str) -> list[str]:
        return [a for a, b in self.follows if b == name]

    def following(self, name: str) -> list[str]:
        return [b for a, b in self.follows if a == name and b in self.users]

    def likes_of(self, user: str) -> list[tuple[str, str, str, str]]:
        return sorted((like for like in self.likes if like[0] == user), key=lambda like: like[3], reverse=True)

    def likers(self, repo_type: str, repo_id: str) -> list[str]:
        return [u for u, t, r, _ in sorted(self.likes, key=lambda like: like[3], reverse=True)
                if t == repo_type and r == repo_id]


def generated_usernames() -> list[str]:
    names = []
    for i in range(160):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7 + i // len(FIRST)) % len(LAST)]
        name = f"{first}-{last}"
        names.append(name if name not in names else f"{name}{i}")
    return names


def _timestamp(key: str, year_from: int = 2025) -> str:
    year = det(key + "y", year_from, 2026)
    month = det(key + "m", 1, 5 if year == 2026 else 12)  # the emulated present is June 2026
    return (f"{year}-{month:02d}-{det(key + 'd', 1, 28):02d}T{det(key + 'h', 0, 23):02d}:"
            f"{det(key + 'i', 0, 59):02d}:{det(key + 's', 0, 59):02d}.000Z")


def build_social(accounts: list[Account], catalog: Catalog, users: list[str]) -> Social:
    social = Social()
    for account in accounts:
        if account.kind == "user":
            social.users[account.name] = {"fullname": account.fullname or account.name, "is_pro": False,
                                          "bio": f"{account.fullname}. Emulated account.", "generated": False,
                                          "github": account.name, "twitter": None, "website": None}
    for i, name in enumerate(users):
        first, last = name.split("-")[0], name.split("-")[1].rstrip("0123456789")
        social.users[name] = {
            "fullname": f"{first.capitalize()} {last.capitalize()}", "is_pro": det(name + "pro", 0, 3) == 0,
            "bio": BIOS[i % len(BIOS)], "generated": True, "github": name if i % 2 == 0 else None,
            "twitter": name.replace("-", "_") if i % 3 == 0 else None,
            "website": f"https://{name}.dev" if i % 5 == 0 else None,
            "linkedin": name if i % 4 == 0 else None, "bluesky": f"{name}.bsky.social" if i % 6 == 0 else None,
        }
    authors = {r["author"] for kind in ("models", "datasets", "spaces") for r in catalog.repos(kind).values()
               if r.get("author")}
    for org in sorted((authors - set(social.users)) | set(ORGS) | set(ORG_SIZES)):
        fullname, details = ORG_DETAILS.get(org, (ORGS.get(org, org), f"{org} on the Hugging Face Hub."))
        social.orgs[org] = {"fullname": fullname, "details": details, "verified": org in ORG_SIZES,
                            "plan": "enterprise" if org in ("huggingface", "Qwen") else None}

    # Memberships: alice administers acme; generated users fill the bigger orgs.
    social.members["acme"] = [("alice", "admin")]
    offset = 0
    for org, size in ORG_SIZES.items():
        chosen = [users[(offset + k * 3) % len(users)] for k in range(size)]
        offset += size
        social.members[org] = [(u, ORG_ROLES[det(org + u, 0, 3)]) for u in dict.fromkeys(chosen)]
    social.members["trl-lib"].append(("dave", "write"))

    # Follows: most users follow alice (more than one page of followers), a few follow bob.
    for i, name in enumerate(users):
        if det(name + "follows-alice", 0, 99) < 88:
            social.follows.append((name, "alice"))
        if i % 13 == 0:
            social.follows.append((name, "bob"))
        for k in range(det(name + "nf", 2, 6)):
            other = users[det(f"{name}-f{k}", 0, len(users) - 1)]
            if other != name and (name, other) not in social.follows:
                social.follows.append((name, other))
        for org in ("huggingface", "Qwen"):
            if det(name + org, 0, 9) < (8 if org == "huggingface" else 5):
                social.follows.append((name, org))
    social.follows += [("alice", u) for u in users[:30]] + [("alice", "bob"), ("alice", "huggingface"),
                                                            ("alice", "Qwen"), ("bob", "alice"), ("dave", "alice")]

    # Likes: weighted toward popular repos; alice likes more than one ranking window (50).
    popular = sorted(((kind[:-1], rid, rec.get("likes", 0)) for kind in ("models", "datasets", "spaces")
                      for rid, rec in catalog.repos(kind).items()), key=lambda t: (-t[2], t[1]))[:180]
    budgets = {"alice": 64, "bob": 8, "carol": 3, "dave": 5, "erin": 0}
    for name in social.users:
        count = budgets.get(name, det(name + "nl", 3, 18))
        seen: set[tuple[str, str]] = set()
        for k in range(count * 3):
            if len(seen) >= count:
                break
            pick = det(f"{name}-like{k}", 0, len(popular) - 1) if k % 2 else det(f"{name}-lk{k}", 0, 39)
            kind, rid, _ = popular[pick]
            if (kind, rid) not in seen:
                seen.add((kind, rid))
                social.likes.append((name, kind, rid, _timestamp(f"{name}{rid}")))
    return social


def user_payload(social: Social, name: str) -> dict[str, Any]:
    """A user row as follower/liker/member lists return it."""
    from .accounts import avatar_url, object_id

    user = social.users[name]
    return {"_id": object_id(name), "user": name, "fullname": user["fullname"], "avatarUrl": avatar_url(name),
            "isPro": user["is_pro"], "type": "user", "isFollowing": False}


def activity(social: Social, catalog: Catalog, entity: str, discussions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entity's recent activity feed, newest first (likes, repo updates, discussions)."""
    events: list[dict[str, Any]] = []
    if entity in social.users:
        events += [{"time": at, "type": "like", "repoId": rid, "repoType": kind}
                   for _, kind, rid, at in social.likes_of(entity)]
    for kind in ("models", "datasets", "spaces"):
        for rid, rec in catalog.repos(kind).items():
            if rec.get("author") == entity:
                events.append({"time": rec["lastModified"], "type": "update", "repoId": rid, "repoType": kind[:-1]})
    events += [{"time": d["createdAt"], "type": "discussion", "repoId": d["repo"]["name"],
                "repoType": d["repo"]["type"], "discussionNum": d["num"], "discussionTitle": d["title"]}
               for d in discussions if d["author"]["name"] == entity]
    return sorted(events, key=lambda e: e["time"], reverse=True)
