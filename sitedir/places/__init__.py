"""The offline gazetteer of French communes, and place search as people type it.

Pure Python: nothing here imports Flask, so it can be tested and benchmarked alone.
"""
