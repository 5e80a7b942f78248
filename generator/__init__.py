"""huifang（回访）：customer-service records as code — load, validate, apply the procedures, publish."""

__version__ = "0.1.0"
