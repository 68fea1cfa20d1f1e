"""`genlab demo NAME`: a lecture's picture and numbers in one command, from a declarative recipe
(`configs/demo/NAME.yaml`) made of genlab's own commands. See `genlab.demo.recipe` for what a
recipe holds and `genlab.demo.runner` for how it runs."""
