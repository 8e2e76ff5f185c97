print("audiocache")
