"""vCards: a site's public contacts as vCard 4.0 (`cards.py`: the cards and their route)."""
