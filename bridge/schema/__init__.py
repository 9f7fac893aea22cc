"""The bridge protocol's JSON Schema (a package so that wheels ship the .json file)."""
