"""Lightning callbacks: image grids, run state in checkpoints, baselines."""
