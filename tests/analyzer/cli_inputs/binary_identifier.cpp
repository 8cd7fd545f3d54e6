int ÿş_identifier = 1;
