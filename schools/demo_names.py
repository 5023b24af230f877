"""Word lists for generated demo people (seed_demo). Common Swedish names, combined at random:
no combination stands for a real person. Faker is a test dependency only, so the lists live here."""

# fmt: off
FEMALE_GIVEN_NAMES = (
    "Alice", "Alma", "Astrid", "Agnes", "Ebba", "Elsa", "Ella", "Freja", "Maja", "Wilma",
    "Olivia", "Saga", "Selma", "Stella", "Signe", "Vera", "Alva", "Ester", "Ines", "Juni",
    "Lilly", "Molly", "Nova", "Siri", "Tyra", "Ellen", "Emilia", "Hedda", "Ingrid", "Julia",
    "Klara", "Linnea", "Matilda", "Sara", "Anna", "Karin", "Maria", "Emma", "Hanna", "Sofia",
)

MALE_GIVEN_NAMES = (
    "Noah", "William", "Hugo", "Lucas", "Liam", "Oliver", "Elias", "Adam", "Matteo", "Leo",
    "Alexander", "Vincent", "Nils", "Theo", "Ludvig", "Olle", "Gustav", "Axel", "Arvid", "Sixten",
    "Melker", "Charlie", "Frans", "Harry", "Isak", "Jack", "Love", "Malte", "Sam", "Viggo",
    "Erik", "Johan", "Anders", "Per", "Karl", "Lars", "Mikael", "Fredrik", "Jonas", "Oskar",
)

FAMILY_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist",
    "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Wallin", "Ali", "Engström", "Mohammed", "Eklund", "Danielsson", "Lundin", "Håkansson",
    "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson",
    "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
    "Hassan", "Ahmed", "Nguyen", "Yilmaz", "Kowalski",
)

STREET_NAMES = (
    "Storgatan", "Skolgatan", "Kyrkogatan", "Parkvägen", "Björkvägen", "Ekvägen", "Lindvägen",
    "Granvägen", "Tallvägen", "Rönnvägen", "Ängsvägen", "Sjövägen", "Bäckvägen", "Järnvägsgatan",
    "Drottninggatan", "Kungsgatan", "Torggatan", "Solvägen", "Hagvägen", "Villavägen",
)

# Extra municipal schools when many students are asked for: "Almskolan", "Almskolan 2", ...
SCHOOL_NAME_STEMS = (
    "Alm", "Asp", "Gran", "Tall", "Lönn", "Rönn", "Ask", "Hassel", "Sälg", "Al", "Bok", "Hägg",
    "Idegran", "Oxel", "Pil", "Lärk", "Apel", "Körsbär", "Fläder", "Slån",
)
# fmt: on
