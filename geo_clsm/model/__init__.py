"""The resource model: one definition of a resource, its types and labels, hours, errors."""
