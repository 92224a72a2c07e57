print("etl-host")
