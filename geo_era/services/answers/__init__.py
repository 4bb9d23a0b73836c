"""Typed answers of the services: one pydantic model per answer and audience.

The models are allow-lists: a model names every field its audience may see, and a
field the core adds later is absent from every answer until someone adds it to a model.
A Link Officer's variants (``...Flags``, ``...ForLandlord``, published reports) are
separate models that never declare a field the need-to-know matrix denies them.
"""
